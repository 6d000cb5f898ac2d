package io.hadb.agent.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The probe gate's eBPF socket filter, assembled by hand (no compiler at run time). In C it reads:
 *
 * <pre>
 *   u32 key = 0;
 *   u64 *deadline = bpf_map_lookup_elem(&amp;map, &amp;key);
 *   if (!deadline) return 0;
 *   return bpf_ktime_get_ns() &lt; *deadline ? 0xffffffff : 0;
 * </pre>
 *
 * A socket filter returns how many bytes of the packet to keep: all of it before the deadline, none after it
 * (the packet is dropped). The deadline is unsigned, CLOCK_MONOTONIC nanoseconds; 0 drops everything.
 */
final class SocketFilterProgram {
    private SocketFilterProgram() {
    }

    static final int INSTRUCTION_SIZE = 8;

    // opcode = class | size/op | source, from linux/bpf_common.h and linux/bpf.h
    private static final int ST_MEM_W = 0x62; // BPF_ST | BPF_MEM | BPF_W: *(u32 *)(dst + off) = imm
    private static final int MOV64_REG = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X: dst = src
    private static final int ADD64_IMM = 0x07; // BPF_ALU64 | BPF_ADD | BPF_K: dst += imm
    private static final int LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW: dst = imm64, two slots
    private static final int CALL = 0x85; // BPF_JMP | BPF_CALL: r0 = helper imm(r1..r5)
    private static final int JEQ_IMM = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: if dst == imm goto +off
    private static final int LDX_MEM_DW = 0x79; // BPF_LDX | BPF_MEM | BPF_DW: dst = *(u64 *)(src + off)
    private static final int JGE_REG = 0x3d; // BPF_JMP | BPF_JGE | BPF_X: if dst >= src (unsigned) goto +off
    private static final int MOV32_IMM = 0xb4; // BPF_ALU | BPF_MOV | BPF_K: dst = (u32) imm
    private static final int EXIT = 0x95; // BPF_JMP | BPF_EXIT: return r0

    private static final int PSEUDO_MAP_FD = 1; // src of LD_IMM64: imm is a map's fd, the kernel puts its address
    private static final int FUNC_MAP_LOOKUP_ELEM = 1;
    private static final int FUNC_KTIME_GET_NS = 5;

    private static final int R0 = 0, R1 = 1, R2 = 2, R6 = 6, R10 = 10; // r10 is the read-only frame pointer

    /** The program's instructions, little-endian as the kernel reads them, for the deadline map {@code mapFd}. */
    static byte[] assemble(int mapFd) {
        ByteBuffer b = ByteBuffer.allocate(14 * INSTRUCTION_SIZE).order(ByteOrder.nativeOrder());
        insn(b, ST_MEM_W, R10, 0, -4, 0); //  0: *(u32 *)(r10 - 4) = 0       the key, on the stack
        insn(b, MOV64_REG, R2, R10, 0, 0); // 1: r2 = r10
        insn(b, ADD64_IMM, R2, 0, 0, -4); //  2: r2 += -4                    r2 = &key
        insn(b, LD_IMM64, R1, PSEUDO_MAP_FD, 0, mapFd); // 3: r1 = &map
        insn(b, 0, 0, 0, 0, 0); //            4: (upper half of the 64-bit immediate)
        insn(b, CALL, 0, 0, 0, FUNC_MAP_LOOKUP_ELEM); // 5: r0 = bpf_map_lookup_elem(r1, r2)
        insn(b, JEQ_IMM, R0, 0, 5, 0); //     6: if r0 == NULL goto 12      (the verifier demands the check)
        insn(b, LDX_MEM_DW, R6, R0, 0, 0); // 7: r6 = *(u64 *)r0            the deadline; r6 survives calls
        insn(b, CALL, 0, 0, 0, FUNC_KTIME_GET_NS); // 8: r0 = bpf_ktime_get_ns()
        insn(b, JGE_REG, R0, R6, 2, 0); //    9: if r0 >= r6 goto 12        the deadline has passed
        insn(b, MOV32_IMM, R0, 0, 0, -1); // 10: r0 = 0xffffffff           keep the whole packet
        insn(b, EXIT, 0, 0, 0, 0); //        11: return r0
        insn(b, MOV32_IMM, R0, 0, 0, 0); //  12: r0 = 0                     drop it
        insn(b, EXIT, 0, 0, 0, 0); //        13: return r0
        return b.array();
    }

    /** struct bpf_insn: u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm. */
    private static void insn(ByteBuffer b, int code, int dst, int src, int off, int imm) {
        b.put((byte) code);
        // the bitfield's first member sits in the low nibble on little-endian machines, the high one on big-endian
        b.put((byte) (b.order() == ByteOrder.LITTLE_ENDIAN ? (src << 4) | dst : (dst << 4) | src));
        b.putShort((short) off);
        b.putInt(imm);
    }
}
