-- Create "data_changes" table
CREATE TABLE `data_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `txid` integer NOT NULL, `changes` integer NOT NULL DEFAULT (1));
-- Set sequence for "data_changes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("data_changes", 150323855360);
-- Create index "data_changes_txid_key" to table: "data_changes"
CREATE UNIQUE INDEX `data_changes_txid_key` ON `data_changes` (`txid`);
