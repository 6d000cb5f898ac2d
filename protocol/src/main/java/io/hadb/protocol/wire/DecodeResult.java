package io.hadb.protocol.wire;

import io.hadb.protocol.Message;

/** What the decoder made of a datagram: a message, or the reason it was dropped. Never an exception. */
public sealed interface DecodeResult {
    /**
     * An authenticated, fresh message.
     *
     * @param link the link index the sender addressed (0 or 1)
     */
    record Ok(int from, long incarnation, long seq, int link, Message message) implements DecodeResult {}

    /** @param detail for the operator's log; never contains packet contents beyond header numbers */
    record Dropped(DropReason reason, String detail) implements DecodeResult {}
}
