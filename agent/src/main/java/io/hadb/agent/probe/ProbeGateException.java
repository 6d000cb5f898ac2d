package io.hadb.agent.probe;

/**
 * The probe gate cannot be set up or used: the kernel refused a BPF call (old kernel, no CAP_BPF, verifier),
 * or the probe's listening socket was not found. The message says which call failed and why.
 */
public final class ProbeGateException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProbeGateException(String message) {
        super(message);
    }
}
