-- Create "kpi_child_facts" table
CREATE TABLE `kpi_child_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `child_id` integer NOT NULL, `first_entry_exam` datetime NOT NULL);
-- Set sequence for "kpi_child_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_child_facts", 94489280512);
-- Create index "kpichildfact_child_id" to table: "kpi_child_facts"
CREATE UNIQUE INDEX `kpichildfact_child_id` ON `kpi_child_facts` (`child_id`);
-- Create "kpi_daily_checks" table
CREATE TABLE `kpi_daily_checks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `institution_id` integer NOT NULL, `day` datetime NOT NULL, `checked` integer NOT NULL);
-- Set sequence for "kpi_daily_checks" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_daily_checks", 98784247808);
-- Create index "kpidailycheck_institution_id_day" to table: "kpi_daily_checks"
CREATE UNIQUE INDEX `kpidailycheck_institution_id_day` ON `kpi_daily_checks` (`institution_id`, `day`);
-- Create index "kpidailycheck_day" to table: "kpi_daily_checks"
CREATE INDEX `kpidailycheck_day` ON `kpi_daily_checks` (`day`);
