package io.hadb.testbed;
