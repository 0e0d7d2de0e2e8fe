-- One level's rows of drug_event_counts, for scoring a level at a time (pv.signals.score).
-- params: level
select * from drug_event_counts where level = $level;
