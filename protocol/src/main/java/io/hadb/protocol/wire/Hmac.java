package io.hadb.protocol.wire;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** One HMAC-SHA256 instance keyed once; not thread-safe, like the encoder and decoder that own it. */
final class Hmac {
    private final Mac mac;

    Hmac(byte[] key) {
        if (key == null || key.length == 0) throw new IllegalArgumentException("empty key");
        try {
            mac = Mac.getInstance(Frame.MAC_ALGORITHM);
            mac.init(new SecretKeySpec(key, Frame.MAC_ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no " + Frame.MAC_ALGORITHM, e);
        }
    }

    byte[] of(byte[] buf, int offset, int length) {
        mac.update(buf, offset, length);
        return mac.doFinal();
    }
}
