/**
 * The MySQL/MariaDB resource: start and stop through systemd or as a supervised child, health by
 * real queries over the MySQL protocol, durability settings checked at start, crash restarts in
 * place within a budget.
 */
package io.hadb.agent.mysql;
