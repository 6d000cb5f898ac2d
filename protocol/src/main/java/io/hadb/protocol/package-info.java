package io.hadb.protocol;
