// Package classify places an AI system in a risk tier of the EU AI Act,
// Regulation (EU) 2024/1689: out of scope (Art. 2), prohibited practice
// (Art. 5), high-risk through Art. 6(1) and Annex I or through Art. 6(2) and
// Annex III (with the Art. 6(3) derogations and the profiling override),
// transparency obligations (Art. 50) and minimal risk; it also flags
// general-purpose AI models (Art. 51 to 55).
//
// The rules are data: rules.yaml, embedded, checked when loaded (an unknown
// profile field, operator, value or outcome is an error at file:line). Each
// rule that fires, and each derogation that was relevant but did not fire,
// leaves a Verdict that cites the article and the exact profile field paths
// that produced it.
//
// The obligations that follow are data too: obligations.yaml, one entry per
// provision and paragraph, by operator role (provider, deployer, importer,
// distributor, authorised representative, product manufacturer, GPAI model
// provider), with the condition that brings it. A condition on a fact the
// profile's facts block does not answer makes the obligation conditional,
// never dropped or asserted. Each carries its application date, from the
// catalogue's requirement rows where the catalogue has the date, otherwise
// from the date table of obligations.yaml. The Result also states the Art. 43
// conformity-assessment procedure (Conformity).
//
// The tier is computed from the facts of the system: the answers of the
// profile's facts: block to a questionnaire (questions.yaml, embedded) of
// plain questions derived from Art. 2, 5, 6, Annex I, Annex III, Art. 6(3)
// and Art. 50. Its conclusions are evaluated in three-valued logic and give
// the effective use: block the rules run on. A claim under use: stands only
// where the facts are silent; a claim the facts contradict, or a conclusion
// they establish that use: lacks, is reported (Result.Claims). Where the
// facts leave a conclusion open and the answers or the purpose text point to
// it, the result lists it as an open question and is provisional if the
// question could make the tier stronger (Result.Open). Questionnaire.Next
// picks the next question worth asking, for the interview. See
// docs/classification.md.
package classify
