package io.hadb.agent.mysql;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates a MariaDB data directory with mariadb-install-db and a user for hadb's health check,
 * and copies one, so that tests and the sandbox initialise once and copy after (install-db takes
 * seconds, a copy milliseconds). Runs as root, with the server run as root too (--user=root).
 */
public final class MariadbDatadir {
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(120);

    private MariadbDatadir() {
    }

    /**
     * Server options that keep a test or sandbox datadir small (a 96 MB redo log would not fit a
     * small loop image) and durable. Pass the same options to mariadbd when starting it.
     */
    public static List<String> smallServerOptions() {
        return List.of("--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M");
    }

    /**
     * Initialises datadir (which must not exist or be empty) and creates user@localhost and
     * user@127.0.0.1 with password and every privilege, so that the health check can also end
     * client connections.
     *
     * @param serverOptions extra mariadbd options, e.g. {@link #smallServerOptions()}
     */
    public static void initialize(CommandRunner runner, Path datadir, String user, String password,
                                  List<String> serverOptions) throws IOException {
        if (!user.matches("[A-Za-z0-9_]{1,32}")) throw new IllegalArgumentException("user name " + user + " is not plain");
        Files.createDirectories(datadir);
        // a temporary directory of its own: bootstrap servers running at once must not share /tmp's files
        Path tmp = Files.createTempDirectory(datadir.toAbsolutePath().getParent(), "install-tmp");
        try {
            install(runner, datadir, user, password, withTmpdir(serverOptions, tmp));
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static List<String> withTmpdir(List<String> options, Path tmp) {
        List<String> o = new ArrayList<>(options);
        o.add("--tmpdir=" + tmp);
        return o;
    }

    private static void install(CommandRunner runner, Path datadir, String user, String password,
                                List<String> serverOptions) throws IOException {
        List<String> install = new ArrayList<>(List.of(binary("mariadb-install-db"), "--no-defaults",
                "--datadir=" + datadir, "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"));
        install.addAll(serverOptions);
        check(runner.run(INSTALL_TIMEOUT, install));
        String q = password.replace("\\", "\\\\").replace("'", "\\'");
        String sql = "FLUSH PRIVILEGES;\n"
                + "CREATE USER '" + user + "'@'localhost' IDENTIFIED BY '" + q + "';\n"
                + "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + q + "';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'localhost' WITH GRANT OPTION;\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'127.0.0.1' WITH GRANT OPTION;\n";
        List<String> bootstrap = new ArrayList<>(List.of(binary("mariadbd"), "--no-defaults", "--bootstrap",
                "--datadir=" + datadir, "--user=root", "--log-error=" + datadir.resolve("bootstrap.err")));
        bootstrap.addAll(serverOptions);
        CommandResult r = runner.run(INSTALL_TIMEOUT, bootstrap, java.util.Map.of(), sql.getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) {
            String err = Files.exists(datadir.resolve("bootstrap.err"))
                    ? Files.readString(datadir.resolve("bootstrap.err")) : "";
            throw new IOException("creating user " + user + " failed: " + r.summary() + " " + err.strip());
        }
        Files.deleteIfExists(datadir.resolve("bootstrap.err"));
    }

    /** Copies a data directory made by {@link #initialize} (of a stopped server) to target. */
    public static void copy(Path template, Path target) throws IOException {
        Files.walkFileTree(template, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(template.relativize(dir)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, target.resolve(template.relativize(file)), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The mariadbd command line for a datadir, as tests and the sandbox run it (exec mode). */
    public static List<String> serverCommand(Path datadir, Path socket, int port, List<String> extraOptions) {
        List<String> cmd = new ArrayList<>(List.of(binary("mariadbd"), "--no-defaults", "--user=root",
                "--datadir=" + datadir, "--socket=" + socket, "--port=" + port, "--bind-address=127.0.0.1",
                "--skip-name-resolve"));
        cmd.addAll(extraOptions);
        return cmd;
    }

    /** Debian puts mariadbd in /usr/sbin, which a non-login PATH may lack. */
    static String binary(String name) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return name;
    }

    private static void check(CommandResult r) throws IOException {
        if (!r.ok()) throw new IOException(r.summary() + "\n" + r.stdout().strip());
    }
}
