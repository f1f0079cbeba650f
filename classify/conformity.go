package classify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/profile"
)

// LegislationNames names the Annex I legislation of use.annex_i.legislation.
var LegislationNames = map[string]string{
	"machinery":                "Regulation (EU) 2023/1230 on machinery (Directive 2006/42/EC until it applies)",
	"toys":                     "Directive 2009/48/EC on the safety of toys",
	"recreational-craft":       "Directive 2013/53/EU on recreational craft and personal watercraft",
	"lifts":                    "Directive 2014/33/EU on lifts",
	"atex":                     "Directive 2014/34/EU on equipment for potentially explosive atmospheres",
	"radio-equipment":          "Directive 2014/53/EU on radio equipment",
	"pressure-equipment":       "Directive 2014/68/EU on pressure equipment",
	"cableways":                "Regulation (EU) 2016/424 on cableway installations",
	"ppe":                      "Regulation (EU) 2016/425 on personal protective equipment",
	"gas-appliances":           "Regulation (EU) 2016/426 on appliances burning gaseous fuels",
	"mdr":                      "Regulation (EU) 2017/745 on medical devices (MDR)",
	"ivdr":                     "Regulation (EU) 2017/746 on in vitro diagnostic medical devices (IVDR)",
	"civil-aviation-security":  "Regulation (EC) No 300/2008 on civil aviation security",
	"two-three-wheel-vehicles": "Regulation (EU) No 168/2013 on two- or three-wheel vehicles and quadricycles",
	"agricultural-vehicles":    "Regulation (EU) No 167/2013 on agricultural and forestry vehicles",
	"marine-equipment":         "Directive 2014/90/EU on marine equipment",
	"rail-interoperability":    "Directive (EU) 2016/797 on the interoperability of the rail system",
	"motor-vehicles":           "Regulation (EU) 2018/858 on the approval and market surveillance of motor vehicles",
	"civil-aviation":           "Regulation (EU) 2018/1139 on common rules in the field of civil aviation",
	"motor-vehicles-safety":    "Regulation (EU) 2019/2144 on type-approval requirements for the general safety of motor vehicles",
}

// noteSubstantialModification is the Art. 43(4) note every high-risk route
// carries.
const noteSubstantialModification = "Art. 43(4): a substantial modification calls for a new conformity assessment, whoever makes it; changes to a system that keeps learning after it is placed on the market are not substantial when the provider pre-determined them at the initial assessment and documented them (Annex IV point 2(f))."

// conformity decides the Art. 43 procedure for a system of the tier, whose
// high-risk rules had the scopes and whose Annex III points are points.
func conformity(p *profile.Profile, tier string, scopes []string, points []string, derogated bool) Conformity {
	if tier != HighRisk {
		cf := Conformity{Procedure: ProcedureNone, Status: StatusApplies, Article: "Art. 43",
			Reason: "The system is not high-risk (tier " + tier + "): the Act requires no Art. 43 conformity assessment."}
		switch tier {
		case Prohibited:
			cf.Reason = "The practice is prohibited (Art. 5): it may not be placed on the market, put into service or used, and no conformity assessment makes it lawful."
		case OutOfScope:
			cf.Reason = "The system is outside the Act's scope (Art. 2): no Art. 43 conformity assessment."
		}
		if derogated && tier != Prohibited && tier != OutOfScope {
			cf.Reason += " The Art. 6(3) derogation replaces it with the documented assessment of Art. 6(4) and the registration of Art. 49(2)."
		}
		return cf
	}
	leg := ""
	if p.Use.AnnexI != nil {
		leg = p.Use.AnnexI.Legislation
	}
	name := LegislationNames[leg]
	if name == "" {
		name = leg
	}
	notes := []string{noteSubstantialModification}
	switch {
	case slices.Contains(scopes, "annex-i"):
		cf := Conformity{Procedure: ProcedureSectoral, Status: StatusApplies, Legislation: name, Article: "Art. 43(3)",
			Reason: "A high-risk system covered by Annex I Section A legislation (" + name + "): the conformity assessment is the one that legislation requires, and it covers the AI Act's Section 2 requirements too; a notified body under that legislation assesses them where it is entitled to (Art. 43(3), second subparagraph). Points 4.3, 4.4, 4.5 and the fifth paragraph of point 4.6 of Annex VII apply as well."}
		if len(points) > 0 {
			notes = append(notes, "The system also falls under Annex III ("+strings.Join(points, ", ")+"); for an Annex I product Art. 43(3) sets the procedure.")
		}
		cf.Notes = notes
		return cf
	case slices.Contains(scopes, "annex-i-b"):
		return Conformity{Procedure: ProcedureSectoral, Status: StatusApplies, Legislation: name, Article: "Art. 2(2), Art. 6(1)",
			Reason: "A high-risk system under Annex I Section B legislation (" + name + "): only Art. 6(1), 102 to 109 and 112 of the AI Act apply directly; the conformity assessment is that of the sectoral legislation, whose delegated and implementing acts take the Section 2 requirements into account.",
			Notes:  notes}
	}
	var biometric []string
	for _, pt := range points {
		if strings.HasPrefix(pt, "1") {
			biometric = append(biometric, pt)
		}
	}
	if len(biometric) == 0 {
		return Conformity{Procedure: ProcedureInternal, Status: StatusApplies, Article: "Art. 43(2)",
			Reason: fmt.Sprintf("A high-risk system of Annex III point %s: internal control (Annex VI), with no notified body.", strings.Join(points, ", ")),
			Notes:  notes}
	}
	a := factAnswer(p, FactHarmonisedStandards)
	fact := "facts." + FactHarmonisedStandards + " = " + a
	notes = append(notes, "Art. 43(1): where the system is to be put into service by law-enforcement, immigration or asylum authorities or by Union institutions, bodies, offices or agencies, the market surveillance authority acts as the notified body.")
	base := fmt.Sprintf("A high-risk system of Annex III point %s (biometrics)", strings.Join(biometric, ", "))
	switch a {
	case "yes":
		return Conformity{Procedure: ProcedureChoice, Status: StatusApplies, Article: "Art. 43(1)", Facts: []string{fact},
			Reason: base + " whose provider applied harmonised standards (Art. 40) or common specifications (Art. 41) in full: the provider may choose internal control (Annex VI) or the assessment of the quality management system and technical documentation by a notified body (Annex VII).",
			Notes:  notes}
	case "no":
		return Conformity{Procedure: ProcedureNotified, Status: StatusApplies, Article: "Art. 43(1)", Facts: []string{fact},
			Reason: base + " whose provider did not apply harmonised standards or common specifications in full (or none exist): the notified-body procedure of Annex VII.",
			Notes:  notes}
	}
	return Conformity{Procedure: ProcedureNotified, Status: StatusConditional, Article: "Art. 43(1)", Facts: []string{fact},
		Reason: base + ": Annex VII with a notified body, unless the provider applied harmonised standards or common specifications in full, which opens the choice of Annex VI. Applies if facts." + FactHarmonisedStandards + " is no: answer it.",
		Notes:  notes}
}
