package io.hadb.protocol;

/** What a configured node may do: a data node may become master; a witness only votes. */
public enum NodeRole {
    DATA,
    WITNESS
}
