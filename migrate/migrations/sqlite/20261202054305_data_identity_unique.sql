-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_children" table
CREATE TABLE `new_children` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `sex` text NOT NULL, `birth_date` datetime NOT NULL, `id_number_hash` text NULL, `id_number_masked` text NULL, `guardian_name` text NULL, `guardian_phone` text NULL, `id_document_type` text NULL, `registered_by_institution_id` integer NULL, `residence_region_id` integer NULL, CONSTRAINT `children_regions_resident_children` FOREIGN KEY (`residence_region_id`) REFERENCES `regions` (`id`) ON DELETE SET NULL);
-- Set sequence for "new_children" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_children", 8589934592);
-- Copy rows from old table "children" to new temporary table "new_children"
INSERT INTO `new_children` (`id`, `created_at`, `updated_at`, `name`, `sex`, `birth_date`, `id_number_hash`, `id_number_masked`, `guardian_name`, `guardian_phone`, `residence_region_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `sex`, `birth_date`, `id_number_hash`, `id_number_masked`, `guardian_name`, `guardian_phone`, `residence_region_id` FROM `children`;
-- Drop "children" table after copying rows
DROP TABLE `children`;
-- Rename temporary table "new_children" to "children"
ALTER TABLE `new_children` RENAME TO `children`;
-- Create index "child_residence_region_id" to table: "children"
CREATE INDEX `child_residence_region_id` ON `children` (`residence_region_id`);
-- Create index "child_id_number_hash" to table: "children"
CREATE UNIQUE INDEX `child_id_number_hash` ON `children` (`id_number_hash`);
-- Create index "child_registered_by_institution_id" to table: "children"
CREATE INDEX `child_registered_by_institution_id` ON `children` (`registered_by_institution_id`);
-- Create index "child_birth_date" to table: "children"
CREATE INDEX `child_birth_date` ON `children` (`birth_date`);
-- Create index "healthrecord_institution_id_child_id_kind_date_session" to table: "health_records"
CREATE UNIQUE INDEX `healthrecord_institution_id_child_id_kind_date_session` ON `health_records` (`institution_id`, `child_id`, `kind`, `date`, `session`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
