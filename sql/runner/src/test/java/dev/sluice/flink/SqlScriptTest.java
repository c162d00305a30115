package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {
    @Test
    void splitsOnSemicolonsAndTrims() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), SqlScript.split("  SELECT 1;\n\nSELECT 2 ;\n"));
    }

    @Test
    void keepsTheLastStatementWithoutSemicolon() {
        assertEquals(List.of("SET 'a' = 'b'", "SELECT 3"), SqlScript.split("SET 'a' = 'b';SELECT 3"));
    }

    @Test
    void ignoresSemicolonsInStringLiteralsIncludingEscapedQuotes() {
        assertEquals(
                List.of("SELECT 'a;b', 'it''s; fine'", "SELECT 2"),
                SqlScript.split("SELECT 'a;b', 'it''s; fine'; SELECT 2;"));
    }

    @Test
    void ignoresSemicolonsInQuotedIdentifiers() {
        assertEquals(List.of("SELECT `a;b` FROM t", "SELECT \"c;d\""), SqlScript.split("SELECT `a;b` FROM t; SELECT \"c;d\";"));
    }

    @Test
    void dropsLineAndBlockCommentsButNotCommentMarkersInStrings() {
        String script = "-- header; with a semicolon\nSELECT 1 -- trailing; comment\n, '--not a comment' /* block; */ ;\n/* only a comment; */";
        assertEquals(List.of("SELECT 1 \n, '--not a comment'"), SqlScript.split(script));
    }

    @Test
    void dropsPlaceholdersInComments() {
        assertEquals(List.of("SELECT 1"), SqlScript.split("-- uses ${nothing}\nSELECT 1;"));
    }

    @Test
    void returnsNothingForBlankOrCommentOnlyScripts() {
        assertEquals(List.of(), SqlScript.split(" ;; -- c\n /* d */ ;"));
    }

    @Test
    void refusesAnUnterminatedStringNamingWhereItStarts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlScript.split("SELECT 'abc; SELECT 2"));
        assertEquals("unterminated ' quote starting at offset 7; close it with '", e.getMessage());
    }

    @Test
    void refusesAnUnterminatedBlockComment() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlScript.split("SELECT 1 /* open"));
        assertTrue(e.getMessage().startsWith("unterminated /* comment starting at offset 9"), e.getMessage());
    }
}
