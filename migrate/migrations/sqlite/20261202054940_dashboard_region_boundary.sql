-- Add column "boundary" to table: "regions"
ALTER TABLE `regions` ADD COLUMN `boundary` text NULL;
