package io.hadb.agent.drbd;

/** DRBD printed something this parser cannot read; carries the offending text. */
public final class DrbdParseException extends Exception {
    private final String input;

    public DrbdParseException(String message, String input) {
        super(message + ": " + abbreviate(input));
        this.input = input;
    }

    public String input() {
        return input;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
