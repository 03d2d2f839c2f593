-- Create "ban_list_entries" table
CREATE TABLE `ban_list_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `id_number_hash` text NOT NULL, `id_number_masked` text NOT NULL, `basis` text NOT NULL, `decided_at` datetime NOT NULL);
-- Create index "banlistentry_id_number_hash" to table: "ban_list_entries"
CREATE INDEX `banlistentry_id_number_hash` ON `ban_list_entries` (`id_number_hash`);
-- Create "certifications" table
CREATE TABLE `certifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `issued_at` datetime NOT NULL, `expires_at` datetime NULL, `type` text NOT NULL, `level` integer NULL, `number` text NOT NULL, `issuer` text NOT NULL, `staff_id` integer NOT NULL, CONSTRAINT `certifications_staff_certifications` FOREIGN KEY (`staff_id`) REFERENCES `staff` (`id`) ON DELETE NO ACTION);
-- Set sequence for "certifications" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("certifications", 4294967296);
-- Create index "certification_issued_at" to table: "certifications"
CREATE INDEX `certification_issued_at` ON `certifications` (`issued_at`);
-- Create index "certification_expires_at" to table: "certifications"
CREATE INDEX `certification_expires_at` ON `certifications` (`expires_at`);
-- Create index "certification_staff_id" to table: "certifications"
CREATE INDEX `certification_staff_id` ON `certifications` (`staff_id`);
-- Create "children" table
CREATE TABLE `children` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `sex` text NOT NULL, `birth_date` datetime NOT NULL, `id_number_hash` text NULL, `id_number_masked` text NULL, `guardian_name` text NULL, `guardian_phone` text NULL, `residence_region_id` integer NULL, CONSTRAINT `children_regions_resident_children` FOREIGN KEY (`residence_region_id`) REFERENCES `regions` (`id`) ON DELETE SET NULL);
-- Set sequence for "children" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("children", 8589934592);
-- Create index "child_residence_region_id" to table: "children"
CREATE INDEX `child_residence_region_id` ON `children` (`residence_region_id`);
-- Create index "child_id_number_hash" to table: "children"
CREATE INDEX `child_id_number_hash` ON `children` (`id_number_hash`);
-- Create index "child_birth_date" to table: "children"
CREATE INDEX `child_birth_date` ON `children` (`birth_date`);
-- Create "complaints" table
CREATE TABLE `complaints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `received_at` datetime NOT NULL, `closed_at` datetime NULL, `channel` text NOT NULL, `category` text NOT NULL, `resolution` text NULL, `institution_id` integer NOT NULL, CONSTRAINT `complaints_institutions_complaints` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "complaints" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("complaints", 12884901888);
-- Create index "complaint_institution_id" to table: "complaints"
CREATE INDEX `complaint_institution_id` ON `complaints` (`institution_id`);
-- Create index "complaint_received_at" to table: "complaints"
CREATE INDEX `complaint_received_at` ON `complaints` (`received_at`);
-- Create "enrolments" table
CREATE TABLE `enrolments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `start_date` datetime NOT NULL, `end_date` datetime NULL, `service_mode` text NOT NULL, `exit_reason` text NULL, `child_id` integer NOT NULL, `institution_id` integer NOT NULL, `seat_id` integer NULL, CONSTRAINT `enrolments_children_enrolments` FOREIGN KEY (`child_id`) REFERENCES `children` (`id`) ON DELETE NO ACTION, CONSTRAINT `enrolments_institutions_enrolments` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION, CONSTRAINT `enrolments_seats_enrolments` FOREIGN KEY (`seat_id`) REFERENCES `seats` (`id`) ON DELETE SET NULL);
-- Set sequence for "enrolments" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("enrolments", 17179869184);
-- Create index "enrolment_start_date" to table: "enrolments"
CREATE INDEX `enrolment_start_date` ON `enrolments` (`start_date`);
-- Create index "enrolment_end_date" to table: "enrolments"
CREATE INDEX `enrolment_end_date` ON `enrolments` (`end_date`);
-- Create index "enrolment_child_id" to table: "enrolments"
CREATE INDEX `enrolment_child_id` ON `enrolments` (`child_id`);
-- Create index "enrolment_institution_id" to table: "enrolments"
CREATE INDEX `enrolment_institution_id` ON `enrolments` (`institution_id`);
-- Create index "enrolment_seat_id" to table: "enrolments"
CREATE INDEX `enrolment_seat_id` ON `enrolments` (`seat_id`);
-- Create "filings" table
CREATE TABLE `filings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `submitted_at` datetime NOT NULL, `receipt_at` datetime NULL, `status` text NOT NULL, `noncompliance_notified_at` datetime NULL, `documents` json NULL, `institution_id` integer NOT NULL, CONSTRAINT `filings_institutions_filings` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "filings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("filings", 21474836480);
-- Create index "filing_institution_id" to table: "filings"
CREATE INDEX `filing_institution_id` ON `filings` (`institution_id`);
-- Create index "filing_receipt_at" to table: "filings"
CREATE INDEX `filing_receipt_at` ON `filings` (`receipt_at`);
-- Create index "filing_status" to table: "filings"
CREATE INDEX `filing_status` ON `filings` (`status`);
-- Create "findings" table
CREATE TABLE `findings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `rule` text NOT NULL, `severity` text NOT NULL, `description` text NULL, `deadline` datetime NULL, `corrected_at` datetime NULL, `inspection_id` integer NOT NULL, CONSTRAINT `findings_inspections_findings` FOREIGN KEY (`inspection_id`) REFERENCES `inspections` (`id`) ON DELETE NO ACTION);
-- Set sequence for "findings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("findings", 25769803776);
-- Create index "finding_inspection_id" to table: "findings"
CREATE INDEX `finding_inspection_id` ON `findings` (`inspection_id`);
-- Create "health_records" table
CREATE TABLE `health_records` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `date` datetime NOT NULL, `session` text NULL, `height_cm` real NULL, `weight_kg` real NULL, `head_cm` real NULL, `temperature_c` real NULL, `result` text NOT NULL DEFAULT ('NORMAL'), `notes` text NULL, `child_id` integer NOT NULL, `institution_id` integer NOT NULL, CONSTRAINT `health_records_children_health_records` FOREIGN KEY (`child_id`) REFERENCES `children` (`id`) ON DELETE NO ACTION, CONSTRAINT `health_records_institutions_health_records` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "health_records" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("health_records", 30064771072);
-- Create index "healthrecord_child_id_kind_date" to table: "health_records"
CREATE INDEX `healthrecord_child_id_kind_date` ON `health_records` (`child_id`, `kind`, `date`);
-- Create index "healthrecord_institution_id_kind_date" to table: "health_records"
CREATE INDEX `healthrecord_institution_id_kind_date` ON `health_records` (`institution_id`, `kind`, `date`);
-- Create index "healthrecord_date" to table: "health_records"
CREATE INDEX `healthrecord_date` ON `health_records` (`date`);
-- Create "incidents" table
CREATE TABLE `incidents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `severity` text NOT NULL, `kind` text NOT NULL, `occurred_at` datetime NOT NULL, `reported_at` datetime NOT NULL, `description` text NULL, `institution_id` integer NOT NULL, CONSTRAINT `incidents_institutions_incidents` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "incidents" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("incidents", 34359738368);
-- Create index "incident_institution_id" to table: "incidents"
CREATE INDEX `incident_institution_id` ON `incidents` (`institution_id`);
-- Create index "incident_occurred_at" to table: "incidents"
CREATE INDEX `incident_occurred_at` ON `incidents` (`occurred_at`);
-- Create "inclusive_designations" table
CREATE TABLE `inclusive_designations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `valid_from` datetime NOT NULL, `valid_to` datetime NULL, `category` text NOT NULL, `designated_by` text NOT NULL, `institution_id` integer NOT NULL, CONSTRAINT `inclusive_designations_institutions_designations` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "inclusive_designations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("inclusive_designations", 38654705664);
-- Create index "inclusivedesignation_valid_from" to table: "inclusive_designations"
CREATE INDEX `inclusivedesignation_valid_from` ON `inclusive_designations` (`valid_from`);
-- Create index "inclusivedesignation_valid_to" to table: "inclusive_designations"
CREATE INDEX `inclusivedesignation_valid_to` ON `inclusive_designations` (`valid_to`);
-- Create index "inclusivedesignation_institution_id" to table: "inclusive_designations"
CREATE INDEX `inclusivedesignation_institution_id` ON `inclusive_designations` (`institution_id`);
-- Create "inspections" table
CREATE TABLE `inspections` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `inspected_on` datetime NOT NULL, `kind` text NOT NULL, `inspector` text NOT NULL, `outcome` text NOT NULL, `institution_id` integer NOT NULL, CONSTRAINT `inspections_institutions_inspections` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "inspections" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("inspections", 42949672960);
-- Create index "inspection_institution_id" to table: "inspections"
CREATE INDEX `inspection_institution_id` ON `inspections` (`institution_id`);
-- Create index "inspection_inspected_on" to table: "inspections"
CREATE INDEX `inspection_inspected_on` ON `inspections` (`inspected_on`);
-- Create "institutions" table
CREATE TABLE `institutions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `opened_at` datetime NOT NULL, `closed_at` datetime NULL, `name` text NOT NULL, `credit_code` text NOT NULL, `form` text NOT NULL, `legal_nature` text NOT NULL, `ownership` text NOT NULL, `service_modes` json NOT NULL, `address` text NULL, `latitude` real NULL, `longitude` real NULL, `status` text NOT NULL DEFAULT ('OPERATING'), `region_id` integer NOT NULL, CONSTRAINT `institutions_regions_institutions` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "institutions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("institutions", 47244640256);
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
-- Create "population_stats" table
CREATE TABLE `population_stats` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `resident_population` integer NOT NULL, `under3_population` integer NOT NULL, `births` integer NULL, `source` text NULL, `region_id` integer NOT NULL, CONSTRAINT `population_stats_regions_population_stats` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "population_stats" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("population_stats", 51539607552);
-- Create index "populationstat_region_id_year" to table: "population_stats"
CREATE UNIQUE INDEX `populationstat_region_id_year` ON `population_stats` (`region_id`, `year`);
-- Create "regions" table
CREATE TABLE `regions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `level` text NOT NULL, `parent_id` integer NULL, CONSTRAINT `regions_regions_children` FOREIGN KEY (`parent_id`) REFERENCES `regions` (`id`) ON DELETE SET NULL);
-- Set sequence for "regions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("regions", 55834574848);
-- Create index "regions_code_key" to table: "regions"
CREATE UNIQUE INDEX `regions_code_key` ON `regions` (`code`);
-- Create index "region_parent_id" to table: "regions"
CREATE INDEX `region_parent_id` ON `regions` (`parent_id`);
-- Create index "region_level" to table: "regions"
CREATE INDEX `region_level` ON `regions` (`level`);
-- Create "seats" table
CREATE TABLE `seats` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `opened_at` datetime NOT NULL, `closed_at` datetime NULL, `age_band` text NOT NULL, `inclusive` bool NOT NULL DEFAULT (false), `institution_id` integer NOT NULL, CONSTRAINT `seats_institutions_seats` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "seats" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("seats", 60129542144);
-- Create index "seat_opened_at" to table: "seats"
CREATE INDEX `seat_opened_at` ON `seats` (`opened_at`);
-- Create index "seat_closed_at" to table: "seats"
CREATE INDEX `seat_closed_at` ON `seats` (`closed_at`);
-- Create index "seat_institution_id" to table: "seats"
CREATE INDEX `seat_institution_id` ON `seats` (`institution_id`);
-- Create "server_secrets" table
CREATE TABLE `server_secrets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `value` blob NOT NULL, `created_at` datetime NOT NULL);
-- Set sequence for "server_secrets" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("server_secrets", 64424509440);
-- Create index "server_secrets_name_key" to table: "server_secrets"
CREATE UNIQUE INDEX `server_secrets_name_key` ON `server_secrets` (`name`);
-- Create "staff" table
CREATE TABLE `staff` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `hired_at` datetime NOT NULL, `left_at` datetime NULL, `name` text NOT NULL, `id_number_hash` text NOT NULL, `id_number_masked` text NOT NULL, `role` text NOT NULL, `health_certificate_valid_until` datetime NULL, `institution_id` integer NOT NULL, CONSTRAINT `staff_institutions_staff` FOREIGN KEY (`institution_id`) REFERENCES `institutions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "staff" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("staff", 68719476736);
-- Create index "staff_hired_at" to table: "staff"
CREATE INDEX `staff_hired_at` ON `staff` (`hired_at`);
-- Create index "staff_left_at" to table: "staff"
CREATE INDEX `staff_left_at` ON `staff` (`left_at`);
-- Create index "staff_institution_id" to table: "staff"
CREATE INDEX `staff_institution_id` ON `staff` (`institution_id`);
-- Create index "staff_id_number_hash" to table: "staff"
CREATE INDEX `staff_id_number_hash` ON `staff` (`id_number_hash`);
-- Create index "staff_role" to table: "staff"
CREATE INDEX `staff_role` ON `staff` (`role`);
-- Create "surveys" table
CREATE TABLE `surveys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `date` datetime NOT NULL, `respondents` integer NOT NULL, `positive` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `surveys_regions_surveys` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "surveys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("surveys", 73014444032);
-- Create index "survey_region_id" to table: "surveys"
CREATE INDEX `survey_region_id` ON `surveys` (`region_id`);
-- Create index "survey_date" to table: "surveys"
CREATE INDEX `survey_date` ON `surveys` (`date`);
-- Create "targets" table
CREATE TABLE `targets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `indicator` text NOT NULL, `baseline_year` integer NULL, `baseline_value` real NULL, `target_year` integer NOT NULL, `target_value` real NOT NULL, `comparator` text NOT NULL DEFAULT ('GE'), `source` text NOT NULL, `kind` text NOT NULL DEFAULT ('EXPECTED'), `region_id` integer NOT NULL, CONSTRAINT `targets_regions_targets` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- Set sequence for "targets" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("targets", 77309411328);
-- Create index "target_region_id_indicator_target_year" to table: "targets"
CREATE UNIQUE INDEX `target_region_id_indicator_target_year` ON `targets` (`region_id`, `indicator`, `target_year`);
