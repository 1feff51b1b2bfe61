package dev.raccoon.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JsonProblemsTest {
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(4).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static JacksonException failure(String json) {
        return catchThrowableOfType(JacksonException.class, () -> JSON.readTree(json));
    }

    @Test
    void saysWhereAndWhyWithoutTheParsersNotesOnItself() {
        String cut = JsonProblems.describe(failure("{\"a\": [1,\n 2"));
        assertThat(cut).startsWith("line 2, column ").contains("end-of-input").doesNotContain("Source").doesNotContain("REDACTED");
        assertThat(JsonProblems.why(failure("[[[[[1]]]]]"))).contains("exceeds the maximum allowed (4)").doesNotContain("`");
        assertThat(JsonProblems.why(failure("{} {}"))).isEqualTo("more follows the JSON value");
        // nothing about parser features a client cannot turn on
        assertThat(JsonProblems.why(failure("{\"text\": NaN}"))).isEqualTo("Non-standard token 'NaN'");
        assertThat(JsonProblems.why(failure("{\"a\": +1}"))).endsWith("JSON spec does not allow numbers to have plus signs");
        assertThat(JsonProblems.why(failure("{/* c */ \"a\": 1}"))).isEqualTo("Unexpected character ('/' (code 47)): JSON has no comments");
    }
}
