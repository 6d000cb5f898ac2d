package io.hadb.agent;
