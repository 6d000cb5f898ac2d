package io.hadb.agent.config;

/** A configuration the agent refuses, naming the key and what is wrong with it. */
public final class ConfigException extends Exception {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key.isEmpty() ? problem : key + ": " + problem);
        this.key = key;
    }

    /** The offending key as written in the file (nodes[1].addresses[0]), or "" for the file as a whole. */
    public String key() {
        return key;
    }
}
