package com.mskflinkfeatures.format;

/** UTF-8 well-formedness and character counts, as the contract's record rules define them. */
final class Utf8 {
    private Utf8() {}

    /**
     * Code points of {@code bytes} when they are well-formed UTF-8 (Unicode Table 3-7: no overlong
     * forms, no surrogates, nothing above U+10FFFF); otherwise {@code -1 - n}, where {@code n} is the
     * number of characters after decoding with replacement: each well-formed sequence is one
     * character, and so is each maximal ill-formed subpart (a lead byte followed by the continuation
     * bytes it allows, cut short) and each byte that starts no sequence. Python's {@code
     * errors="replace"} counts the same; Java's decoder does not (it takes ED A0 80 as one).
     */
    static int countOrNegative(byte[] bytes) {
        int count = 0;
        boolean wellFormed = true;
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int lead = bytes[i++] & 0xFF;
            count++;
            if (lead < 0x80) {
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                lo = lead == 0xE0 ? 0xA0 : 0x80;
                hi = lead == 0xED ? 0x9F : 0xBF;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                lo = lead == 0xF0 ? 0x90 : 0x80;
                hi = lead == 0xF4 ? 0x8F : 0xBF;
            } else {
                wellFormed = false; // a continuation byte, C0, C1 or F5-FF: starts no sequence
                continue;
            }
            int taken = 0;
            while (taken < need && i < n) {
                int next = bytes[i] & 0xFF;
                if (next < (taken == 0 ? lo : 0x80) || next > (taken == 0 ? hi : 0xBF)) {
                    break;
                }
                i++;
                taken++;
            }
            wellFormed &= taken == need;
        }
        return wellFormed ? count : -1 - count;
    }
}
