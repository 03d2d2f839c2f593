-- Create "kpi_child_spans" table
CREATE TABLE `kpi_child_spans` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `child_id` integer NOT NULL, `region_id` integer NOT NULL, `care` bool NOT NULL, `start_date` datetime NOT NULL, `end_date` datetime NULL, `birth_date` datetime NOT NULL, `first_entry_exam` datetime NULL, `shared` bool NOT NULL);
-- Set sequence for "kpi_child_spans" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_child_spans", 137438953472);
-- Create index "kpichildspan_child_id" to table: "kpi_child_spans"
CREATE INDEX `kpichildspan_child_id` ON `kpi_child_spans` (`child_id`);
-- Create index "kpichildspan_region_id_care_start_date" to table: "kpi_child_spans"
CREATE INDEX `kpichildspan_region_id_care_start_date` ON `kpi_child_spans` (`region_id`, `care`, `start_date`);
-- Create "kpi_seat_groups" table
CREATE TABLE `kpi_seat_groups` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `institution_id` integer NOT NULL, `opened_at` datetime NOT NULL, `closed_at` datetime NULL, `age_band` text NOT NULL, `inclusive` bool NOT NULL, `seats` integer NOT NULL);
-- Set sequence for "kpi_seat_groups" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("kpi_seat_groups", 141733920768);
-- Create index "kpiseatgroup_institution_id" to table: "kpi_seat_groups"
CREATE INDEX `kpiseatgroup_institution_id` ON `kpi_seat_groups` (`institution_id`);
