package com.mskflinkfeatures.format;

/** UTF-8 well-formedness and character counts, as the contract's record rules define them. */
final class Utf8 {
    private Utf8() {}

    /**
     * Code points of {@code bytes} when they are well-formed UTF-8 (Unicode Table 3-7: no overlong
     * forms, no surrogates, nothing above U+10FFFF), else the negated count of characters after
     * decoding with replacement minus one (so the result is always negative), where each maximal
     * ill-formed subpart counts as one character, as Unicode recommends and Java's and Python's
     * decoders do.
     */
    static int countOrNegative(byte[] bytes) {
        int count = 0;
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
            } else {
                int lead = b & 0xFF;
                int need;
                int lo = 0x80;
                int hi = 0xBF;
                if (lead >= 0xC2 && lead <= 0xDF) {
                    need = 1;
                } else if (lead >= 0xE0 && lead <= 0xEF) {
                    need = 2;
                    if (lead == 0xE0) {
                        lo = 0xA0;
                    } else if (lead == 0xED) {
                        hi = 0x9F;
                    }
                } else if (lead >= 0xF0 && lead <= 0xF4) {
                    need = 3;
                    if (lead == 0xF0) {
                        lo = 0x90;
                    } else if (lead == 0xF4) {
                        hi = 0x8F;
                    }
                } else {
                    return -1 - replacedLength(bytes);
                }
                if (i + need >= n) {
                    return -1 - replacedLength(bytes);
                }
                int second = bytes[i + 1] & 0xFF;
                if (second < lo || second > hi) {
                    return -1 - replacedLength(bytes);
                }
                for (int k = 2; k <= need; k++) {
                    int next = bytes[i + k] & 0xFF;
                    if (next < 0x80 || next > 0xBF) {
                        return -1 - replacedLength(bytes);
                    }
                }
                i += need + 1;
            }
            count++;
        }
        return count;
    }

    /**
     * Characters of {@code bytes} decoded with replacement (any bytes): a well-formed sequence is one
     * character, and so is each maximal subpart of an ill-formed one (a lead byte followed by the
     * continuation bytes it allows, cut short), or a byte that starts no sequence. Python's
     * {@code errors="replace"} counts the same; Java's decoder does not (it takes ED A0 80 as one).
     */
    static int replacedLength(byte[] bytes) {
        int count = 0;
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int lead = bytes[i] & 0xFF;
            count++;
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (lead < 0x80) {
                need = 0;
            } else if (lead >= 0xC2 && lead <= 0xDF) {
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
                i++;
                continue;
            }
            i++;
            for (int k = 0; k < need && i < n; k++) {
                int next = bytes[i] & 0xFF;
                if (next < (k == 0 ? lo : 0x80) || next > (k == 0 ? hi : 0xBF)) {
                    break;
                }
                i++;
            }
        }
        return count;
    }
}
