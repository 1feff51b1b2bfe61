package dev.raccoon.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TextEncodingsTest {
    @Test
    void cp949IsWindowsCodePage949WithItsExtraSyllables() throws Exception {
        Charset cp949 = TextEncodings.named(" CP949 ");
        assertThat(cp949.name()).isEqualTo("x-windows-949");
        assertThat(TextEncodings.notValid(cp949)).as("named as users name it").isEqualTo("not valid CP949");
        assertThat(TextEncodings.named("uhc")).isEqualTo(cp949);
        byte[] bytes = "똠방각하".getBytes(cp949); // 똠 is one of the syllables EUC-KR and IBM's 949 lack
        assertThat(TextEncodings.decode(bytes, 0, bytes.length, cp949)).isEqualTo("똠방각하");
        assertThat(TextEncodings.decode(bytes, 0, bytes.length, Charset.forName("x-IBM949"))).isNull();
        assertThat(TextEncodings.decode(bytes, 0, bytes.length, StandardCharsets.UTF_8)).isNull();
        assertThat(TextEncodings.decode(bytes, 2, 2, cp949)).isEqualTo("방");
    }

    @Test
    void refusesUnknownAndNonAsciiCompatibleEncodings() {
        assertThatThrownBy(() -> TextEncodings.named("klingon")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown encoding 'klingon' (e.g. UTF-8, CP949, EUC-KR)");
        assertThatThrownBy(() -> TextEncodings.named("UTF-16LE")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UTF-16LE does not write line breaks").hasMessageContaining("iconv -f UTF-16LE -t UTF-8");
        assertThat(TextEncodings.named("euc-kr").name()).isEqualTo("EUC-KR");
        assertThatThrownBy(() -> TextEncodings.named("latin1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ISO-8859-1 has no Hangul");
        assertThatThrownBy(() -> TextEncodings.named("windows-1252")).hasMessageContaining("has no Hangul");
    }

    @Test
    void onlyUtf8FailuresGetTheExcelHint() {
        assertThat(TextEncodings.notValid(StandardCharsets.UTF_8)).isEqualTo("not valid UTF-8");
        assertThat(TextEncodings.hint(StandardCharsets.UTF_8)).contains("--encoding cp949");
        assertThat(TextEncodings.hint(TextEncodings.named("euc-kr"))).isEmpty();
        assertThat(TextEncodings.notValidWithHint(TextEncodings.named("euc-kr"))).isEqualTo("not valid EUC-KR");
        assertThat(TextEncodings.notValidWithHint(StandardCharsets.UTF_8)).startsWith("not valid UTF-8; a file saved by Excel");
    }
}
