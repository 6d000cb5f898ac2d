package io.hadb.agent.role;

/** The load balancer's probe as the role logic sees it: healthy or not. */
public interface ProbeSwitch extends AutoCloseable {
    void setHealthy(boolean healthy) throws java.io.IOException;

    boolean healthy();

    @Override
    void close();
}
