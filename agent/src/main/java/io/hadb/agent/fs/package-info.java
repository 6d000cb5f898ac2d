/**
 * The filesystem resource: mount(2)/umount2(2) through JNA, verified in /proc/self/mountinfo, with
 * busy unmounts resolved by ending the processes that hold the mount (never a lazy detach).
 */
package io.hadb.agent.fs;
