# Every target installs what it needs on first use, so a fresh clone needs only
# Node 20, Java 17, Maven and Python 3.
SHELL := /bin/bash
STACK ?= dev

NODE_STAMP := node_modules/.package-lock.json
PY_VENV := .venv
PY_STAMP := $(PY_VENV)/.installed

.PHONY: test test-ts test-java test-tmp-start test-tmp-check flink-jar-cloud flink-jar-msk typecheck lint format-check local deploy deploy-check preview release

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# The local AWS emulator (moto server) used by the integration tests.
$(PY_STAMP): requirements.txt
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

typecheck: $(NODE_STAMP)
	npx tsc --noEmit -p .

# The layers' dependency order (DESIGN.md, "Layout"), in eslint.config.mjs; tests/lint proves it bites.
lint: $(NODE_STAMP)
	npx eslint --max-warnings 0 .

# Formatting against .prettierrc.json (npx prettier --write . fixes it).
format-check: $(NODE_STAMP)
	npx prettier --check .

# Every temporary file of the tests goes under TEST_TMP: Node, Python and the servers' child
# processes through TMPDIR, every JVM (Maven's, the tests', Flink's, Kafka's) through
# java.io.tmpdir. make test fails when anything is left there or in the system's tmp. tsx keeps
# no compile cache (it would stay in TMPDIR): compiling the tests takes a few seconds.
TEST_TMP := $(CURDIR)/.sluice/test-tmp
TEST_TMP_STAMP := $(CURDIR)/.sluice/test-tmp.started

test-ts: $(NODE_STAMP) $(PY_STAMP)
	mkdir -p $(TEST_TMP)
	TMPDIR=$(TEST_TMP) TSX_DISABLE_CACHE=1 SLUICE_PYTHON=$(PY_VENV)/bin/python npx mocha

# The Flink SQL runner: unit tests and the job SQL run in a Flink mini-cluster, then the jar;
# then the MSK part of the deployable jar, built and checked on its own (flink-jar-msk).
test-java:
	mkdir -p $(TEST_TMP)
	cd sql/runner && TMPDIR=$(TEST_TMP) MAVEN_OPTS="$$MAVEN_OPTS -Djava.io.tmpdir=$(TEST_TMP)" mvn -q -B verify -Dsluice.test.tmpdir=$(TEST_TMP)
	TMPDIR=$(TEST_TMP) MAVEN_OPTS="$$MAVEN_OPTS -Djava.io.tmpdir=$(TEST_TMP)" $(MAKE) --no-print-directory flink-jar-msk

test-tmp-start:
	rm -rf $(TEST_TMP)
	mkdir -p $(TEST_TMP)
	touch $(TEST_TMP_STAMP)

# What a test run leaves behind: anything in TEST_TMP, and any entry of the system's tmp made
# since the run started under a name the tests' tools use (a JVM, Flink, Kafka, DuckDB, JUnit,
# moto, Node's mkdtemp of this project). Other programs' files in /tmp are not ours to judge.
test-tmp-check:
	@left=$$(ls -A $(TEST_TMP)); \
	  if [ -n "$$left" ]; then echo "make test: the tests left these in $(TEST_TMP); the test that made each must remove it:" >&2; echo "$$left" >&2; exit 1; fi
	@left=$$(find /tmp -mindepth 1 -maxdepth 1 -newer $(TEST_TMP_STAMP) \( -name 'flink-*' -o -name 'sluice-*' -o -name 'kafka*' -o -name 'duckdb*' -o -name 'junit*' -o -name 'moto*' -o -name 'jetty-*' -o -name 'blobStore-*' -o -name 'rocksdb*' -o -name 'localState*' \) 2>/dev/null); \
	  if [ -n "$$left" ]; then echo "make test: these were written to /tmp during the run; the code that wrote each must use TMPDIR or java.io.tmpdir:" >&2; echo "$$left" >&2; exit 1; fi
	rm -rf $(TEST_TMP) $(TEST_TMP_STAMP)

# The MSK source's part of the deployable jar alone (Maven profile msk: the non-shaded Kafka
# connector and aws-msk-iam-auth), as sql/runner/target/sluice-flink-runner-msk.jar, and MskJarIT
# run on that jar: the IAM callback handler loads with the jar's Kafka client classes.
flink-jar-msk:
	cd sql/runner && mvn -q -B verify -Pmsk

# The deployable runner jar: the Kinesis connector (profile kinesis) and the MSK source's Kafka
# connector and IAM auth (profile msk) shaded in: sql/runner/target/sluice-flink-runner-kinesis.jar.
# verify runs MskJarIT on that jar (the msk profile skips the unit tests, which make test runs).
flink-jar-cloud:
	cd sql/runner && mvn -q -B verify -Pkinesis,msk

test: typecheck lint format-check test-tmp-start test-ts test-java test-tmp-check

# The whole platform on this machine: generated events through validation, Flink and the lake.
# Extra options go in ARGS, e.g. make local ARGS="--events 1000000 --seed 7".
local: $(NODE_STAMP)
	node cli/bin/sluice.js local $(ARGS)

# A release: every deployable artifact and a manifest of content hashes in dist/releases/<id>/;
# prints the id. Extra options go in ARGS, e.g. make release ARGS="--pin dev".
release: $(NODE_STAMP) flink-jar-cloud
	node cli/bin/sluice.js release $(ARGS)

# What make deploy needs beyond make test, checked before anything is built; each says how to get it.
CLOUD_JAR := sql/runner/target/sluice-flink-runner-kinesis.jar
deploy-check:
	@command -v pulumi >/dev/null || { echo 'make deploy: the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/iac/download-install/) and retry' >&2; exit 1; }
	@pulumi whoami >/dev/null 2>&1 || { echo 'make deploy: the Pulumi CLI is not logged in to a state backend; run pulumi login (Pulumi Cloud) or pulumi login s3://<bucket> (your own), then retry' >&2; exit 1; }

deploy: $(NODE_STAMP) deploy-check
	@$(MAKE) --no-print-directory flink-jar-cloud || { echo 'make deploy: building or checking the cloud jar failed; make flink-jar-cloud needs Maven Central (flink-sql-connector-aws-kinesis-streams, aws-msk-iam-auth) and MskJarIT must pass on the jar: read its output above, fix it and retry' >&2; exit 1; }
	@test -f $(CLOUD_JAR) || { echo 'make deploy: $(CLOUD_JAR) is missing after make flink-jar-cloud; run it and read its output' >&2; exit 1; }
	pulumi up --stack $(STACK) --policy-pack policy

# What `pulumi up` would change, checked against the security baseline (the policy pack in policy/).
preview: $(NODE_STAMP) deploy-check
	pulumi preview --stack $(STACK) --policy-pack policy
