package io.hadb.agent.log;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Sets java.util.logging up once: one-line records to stderr. */
public final class Logs {
    private Logs() {}

    public static void setup(Level level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler h = new ConsoleHandler(); // stderr
        h.setFormatter(new OneLineFormatter());
        h.setLevel(Level.ALL);
        root.addHandler(h);
        root.setLevel(level);
        // Netty's own debug chatter stays out of the operator's journal
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }
}
