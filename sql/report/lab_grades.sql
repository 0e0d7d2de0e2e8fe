-- The seed's lymphopenia table, wherever lab results exist (openFDA/E2B case_lab, graded in lab_grade): per drug of
-- interest and cell count, the run's cases exposed to the drug that have a graded result, by worst CTCAE v5.0
-- grade, and the days from the drug's therapy start to the first result at the worst grade, for the cases of grade
-- 1 or more (median and quartiles over those dated on or after the start; the others are counted as undated).
-- Empty without lab results.
-- params: drugs
with exposed as (
    select x.case_id, x.drug, min(d.therapy_start_date) as therapy_start
    from analysis_exposure as x
    left join case_drug as d on d.case_id = x.case_id and d.ingredient = x.drug
    where list_contains($drugs, x.drug)
    group by x.case_id, x.drug
),
graded as (
    select e.drug, w.analyte, w.case_id, w.worst_grade,
           case when w.worst_grade >= 1 then date_diff('day', e.therapy_start, w.first_date_at_worst) end as days
    from exposed as e
    inner join case_worst_lab_grade as w using (case_id)
)
select drug, analyte, count(*) as n_cases,
       count(*) filter (where worst_grade = 0) as grade_0,
       count(*) filter (where worst_grade = 1) as grade_1,
       count(*) filter (where worst_grade = 2) as grade_2,
       count(*) filter (where worst_grade = 3) as grade_3,
       count(*) filter (where worst_grade = 4) as grade_4,
       median(days) filter (where days >= 0) as median_days,
       quantile_cont(days, 0.25) filter (where days >= 0) as q1_days,
       quantile_cont(days, 0.75) filter (where days >= 0) as q3_days,
       count(*) filter (where worst_grade >= 1 and (days is null or days < 0)) as n_undated
from graded
group by drug, analyte
order by drug, analyte;
