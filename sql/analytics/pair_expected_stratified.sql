-- pair_expected_stratified: each pair's expected count summed over strata (pv.signals.stratified), from the table
-- the caller registered as stratified_expected_input (drug_id, event_id, expected_stratified); empty when the run is
-- not stratified, so that drug_event_counts.sql leaves expected_stratified null.
-- params: stratified
create or replace temp table pair_expected_stratified as
select drug_id, event_id, expected_stratified from stratified_expected_input where $stratified;
