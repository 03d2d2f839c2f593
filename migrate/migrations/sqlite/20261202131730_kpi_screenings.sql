-- Create "kpi_screenings" table
CREATE TABLE `kpi_screenings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `child_id` integer NOT NULL, `date` datetime NOT NULL);
-- Set sequence for "kpi_screenings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_screenings", 146028888064);
-- Create index "kpiscreening_child_id_date" to table: "kpi_screenings"
CREATE UNIQUE INDEX `kpiscreening_child_id_date` ON `kpi_screenings` (`child_id`, `date`);
-- Create index "kpiscreening_date_child_id" to table: "kpi_screenings"
CREATE INDEX `kpiscreening_date_child_id` ON `kpi_screenings` (`date`, `child_id`);
