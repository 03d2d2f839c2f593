-- Create index "cityevaluation_scheme_id" to table: "city_evaluations"
CREATE INDEX `cityevaluation_scheme_id` ON `city_evaluations` (`scheme_id`);
-- Create index "cityevaluationitem_item_id" to table: "city_evaluation_items"
CREATE INDEX `cityevaluationitem_item_id` ON `city_evaluation_items` (`item_id`);
-- Create index "evaluationscheme_region_id" to table: "evaluation_schemes"
CREATE INDEX `evaluationscheme_region_id` ON `evaluation_schemes` (`region_id`);
