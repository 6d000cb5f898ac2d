package io.hadb.agent.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code LEVEL component: message}, one line per record, for journald (which adds the time itself). The
 * component is the logger name after "hadb.". A stack trace, when there is one, follows indented.
 */
public final class OneLineFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
        String name = r.getLoggerName() == null ? "" : r.getLoggerName();
        if (name.startsWith("hadb.")) name = name.substring(5);
        StringBuilder sb = new StringBuilder(128);
        sb.append(r.getLevel().getName()).append(' ').append(name).append(": ")
                .append(formatMessage(r).replace('\n', ' ')).append('\n');
        if (r.getThrown() != null) {
            StringWriter sw = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(sw));
            for (String line : sw.toString().split("\n")) sb.append("    ").append(line).append('\n');
        }
        return sb.toString();
    }
}
