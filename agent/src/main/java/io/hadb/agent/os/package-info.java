/** Thin access to the operating system through JNA: libc calls and process signals. */
package io.hadb.agent.os;
