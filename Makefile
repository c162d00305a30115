# Every target installs what it needs on first use, so a fresh clone needs only
# Node 20, Java 17, Maven and Python 3.
SHELL := /bin/bash
STACK ?= dev

NODE_STAMP := node_modules/.package-lock.json
PY_VENV := .venv
PY_STAMP := $(PY_VENV)/.installed

.PHONY: test test-ts test-java flink-jar-cloud typecheck local deploy preview

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# The local AWS emulator (moto server) used by the integration tests.
$(PY_STAMP): requirements.txt
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

typecheck: $(NODE_STAMP)
	npx tsc --noEmit -p .

test-ts: $(NODE_STAMP) $(PY_STAMP)
	SLUICE_PYTHON=$(PY_VENV)/bin/python npx mocha

# The Flink SQL runner: unit tests and the job SQL run in a Flink mini-cluster, then the jar.
test-java:
	cd sql/runner && mvn -q -B verify

# The deployable runner jar (Kinesis connector shaded in): sql/runner/target/sluice-flink-runner-kinesis.jar
flink-jar-cloud:
	cd sql/runner && mvn -q -B package -DskipTests -Pkinesis

test: typecheck test-ts test-java

# The whole platform on this machine: generated events through validation, Flink and the lake.
# Extra options go in ARGS, e.g. make local ARGS="--events 1000000 --seed 7".
local: $(NODE_STAMP)
	node cli/bin/sluice.js local $(ARGS)

deploy: $(NODE_STAMP) flink-jar-cloud
	pulumi up --stack $(STACK) --policy-pack policy

# What `pulumi up` would change, checked against the security baseline (the policy pack in policy/).
preview: $(NODE_STAMP)
	pulumi preview --stack $(STACK) --policy-pack policy
