/// How training targets treat the codes the Challenge scores as one diagnosis (e.g. CRBBB 713427006 and
/// RBBB 59118001).
public enum EquivalentCodeLabelling: Sendable {
    /// A code marks only its own column.
    case ownColumnOnly
    /// A code marks its own column and those of its equivalent codes. The scorer averages the two columns'
    /// probabilities and ORs their decisions, and the source databases each use one code of a pair (CPSC
    /// only 59118001, PTB-XL only 713427006, per the counts in dx_mapping_scored.csv), so both columns
    /// should learn the same target.
    case allEquivalentColumns
}
