package io.hadb.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.control.CtlExit;
import io.hadb.agent.control.ControlClient;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A stopped or hung agent accepts the connection (the kernel does) but never answers: agentctl gives up. */
class AgentCtlTimeoutTest {
    @Test
    void anAgentThatNeverAnswersIsReportedNotWaitedFor() throws Exception {
        Path dir = Files.createTempDirectory("hadb-ctl-timeout");
        Path sock = dir.resolve("control.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (ControlClient c = new ControlClient(sock); SocketChannel accepted = server.accept()) {
                AgentCtl.CtlFailure f = assertThrows(AgentCtl.CtlFailure.class,
                        () -> AgentCtl.ask(c, "status", Duration.ofMillis(300)));
                assertEquals(CtlExit.UNREACHABLE, f.code);
                assertTrue(f.getMessage().contains("did not answer 'status' within"), f.getMessage());
                assertTrue(accepted.isOpen(), "the server side was not what gave up");
            }
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }
}
