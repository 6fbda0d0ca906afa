"""Teacher-student experiments at scale (Berner, Grohs, Voigtlaender, ICLR 2023, Section 3): sweep specs
(:mod:`.spec`), one run (:mod:`.runner`), the embedded store (:mod:`.store`), the paper's aggregation and
figures (:mod:`.report`).  Floats train and measure; the certified uniform errors beside them are exact."""
