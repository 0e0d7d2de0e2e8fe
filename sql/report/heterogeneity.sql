-- The run's signals whose ROR differs between subgroups (Woolf's test, p < 0.05; signal_subgroup_heterogeneity),
-- with each subgroup's ROR and interval. One row per signal x kind of subgroup. Empty before the test existed.
-- params: run_id, drugs
select h.drug, h.level, h.event, coalesce(l.label, h.event) as event_label, h.subgroup_kind, h.n_subgroups,
       h.q, h.df, h.p_value,
       string_agg(g.subgroup || ': a ' || g.a || ', ROR ' || round(g.ror, 2) || ' [' || round(g.ror_lower, 2) || ', '
                  || round(g.ror_upper, 2) || ']', '; ' order by g.subgroup) as subgroups
from signal_subgroup_heterogeneity as h
semi join signal as s on s.run_id = h.run_id and s.level = h.level and s.drug = h.drug and s.event = h.event
left join event_label as l on l.level = h.level and l.event = h.event
left join signal_subgroup as g
    on g.run_id = h.run_id and g.level = h.level and g.drug = h.drug and g.event = h.event
   and g.subgroup_kind = h.subgroup_kind and g.subgroup <> 'unknown'
where h.run_id = $run_id and h.is_heterogeneous and list_contains($drugs, h.drug)
group by all
order by h.drug, h.p_value, h.level, h.event;
