-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_institutions" table
CREATE TABLE `new_institutions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `opened_at` datetime NOT NULL, `closed_at` datetime NULL, `name` text NOT NULL, `credit_code` text NOT NULL, `form` text NOT NULL, `legal_nature` text NOT NULL, `ownership` text NOT NULL, `service_modes` json NOT NULL, `address` text NULL, `latitude` real NULL, `longitude` real NULL, `s2_cell` integer NULL, `monthly_fee` integer NULL, `inclusive_monthly_fee` integer NULL, `status` text NOT NULL DEFAULT ('OPERATING'), `region_id` integer NOT NULL, CONSTRAINT `institutions_regions_institutions` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "new_institutions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_institutions", 47244640256);
-- Copy rows from old table "institutions" to new temporary table "new_institutions"
INSERT INTO `new_institutions` (`id`, `created_at`, `updated_at`, `opened_at`, `closed_at`, `name`, `credit_code`, `form`, `legal_nature`, `ownership`, `service_modes`, `address`, `latitude`, `longitude`, `status`, `region_id`) SELECT `id`, `created_at`, `updated_at`, `opened_at`, `closed_at`, `name`, `credit_code`, `form`, `legal_nature`, `ownership`, `service_modes`, `address`, `latitude`, `longitude`, `status`, `region_id` FROM `institutions`;
-- Drop "institutions" table after copying rows
DROP TABLE `institutions`;
-- Rename temporary table "new_institutions" to "institutions"
ALTER TABLE `new_institutions` RENAME TO `institutions`;
-- Create index "institutions_credit_code_key" to table: "institutions"
CREATE UNIQUE INDEX `institutions_credit_code_key` ON `institutions` (`credit_code`);
-- Create index "institution_opened_at" to table: "institutions"
CREATE INDEX `institution_opened_at` ON `institutions` (`opened_at`);
-- Create index "institution_closed_at" to table: "institutions"
CREATE INDEX `institution_closed_at` ON `institutions` (`closed_at`);
-- Create index "institution_region_id" to table: "institutions"
CREATE INDEX `institution_region_id` ON `institutions` (`region_id`);
-- Create index "institution_form" to table: "institutions"
CREATE INDEX `institution_form` ON `institutions` (`form`);
-- Create index "institution_s2_cell" to table: "institutions"
CREATE INDEX `institution_s2_cell` ON `institutions` (`s2_cell`);
-- Create "city_evaluations" table
CREATE TABLE `city_evaluations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `submitted_at` datetime NULL, `submitted_by` text NULL, `reviewed_at` datetime NULL, `reviewed_by` text NULL, `scheme_id` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `city_evaluations_evaluation_schemes_scheme` FOREIGN KEY (`scheme_id`) REFERENCES `evaluation_schemes` (`id`) ON DELETE NO ACTION, CONSTRAINT `city_evaluations_regions_region` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "city_evaluations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("city_evaluations", 94489280512);
-- Create index "cityevaluation_region_id_year" to table: "city_evaluations"
CREATE UNIQUE INDEX `cityevaluation_region_id_year` ON `city_evaluations` (`region_id`, `year`);
-- Create "city_evaluation_items" table
CREATE TABLE `city_evaluation_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `self_score` real NULL, `note` text NULL, `evidence` json NULL, `auto_score` real NULL, `auto_basis` text NULL, `review_score` real NULL, `review_comment` text NULL, `override_reason` text NULL, `evaluation_id` integer NOT NULL, `item_id` integer NOT NULL, CONSTRAINT `city_evaluation_items_city_evaluations_items` FOREIGN KEY (`evaluation_id`) REFERENCES `city_evaluations` (`id`) ON DELETE NO ACTION, CONSTRAINT `city_evaluation_items_evaluation_items_item` FOREIGN KEY (`item_id`) REFERENCES `evaluation_items` (`id`) ON DELETE NO ACTION);
-- Set sequence for "city_evaluation_items" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("city_evaluation_items", 98784247808);
-- Create index "cityevaluationitem_evaluation_id_item_id" to table: "city_evaluation_items"
CREATE UNIQUE INDEX `cityevaluationitem_evaluation_id_item_id` ON `city_evaluation_items` (`evaluation_id`, `item_id`);
-- Create "evaluation_items" table
CREATE TABLE `evaluation_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `section_no` integer NOT NULL, `section_name` text NOT NULL, `section_points` integer NOT NULL, `item_no` integer NOT NULL, `content` text NOT NULL, `points` real NOT NULL, `deduction_rules` text NULL, `auto_rule` text NULL, `scheme_id` integer NOT NULL, CONSTRAINT `evaluation_items_evaluation_schemes_items` FOREIGN KEY (`scheme_id`) REFERENCES `evaluation_schemes` (`id`) ON DELETE NO ACTION);
-- Set sequence for "evaluation_items" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("evaluation_items", 103079215104);
-- Create index "evaluationitem_scheme_id_section_no_item_no" to table: "evaluation_items"
CREATE UNIQUE INDEX `evaluationitem_scheme_id_section_no_item_no` ON `evaluation_items` (`scheme_id`, `section_no`, `item_no`);
-- Create "evaluation_schemes" table
CREATE TABLE `evaluation_schemes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `source` text NULL, `total_points` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `evaluation_schemes_regions_region` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "evaluation_schemes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("evaluation_schemes", 107374182400);
-- Create index "evaluation_schemes_code_key" to table: "evaluation_schemes"
CREATE UNIQUE INDEX `evaluation_schemes_code_key` ON `evaluation_schemes` (`code`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
