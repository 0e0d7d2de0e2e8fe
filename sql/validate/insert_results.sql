-- Append one batch's expectation outcomes (Arrow view incoming_results) to validation_result.
-- params: run_id, load_id, quarter
insert into validation_result (validation_run_id, load_id, quarter, suite, expectation, severity, success,
    element_count, unexpected_count, unexpected_percent, sample_values, result_json)
select $run_id, $load_id, $quarter, suite, expectation, severity, success, element_count, unexpected_count,
    unexpected_percent, sample_values, result_json
from incoming_results;
