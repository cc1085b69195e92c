/// The part of a prepared dataset a record belongs to; the raw value is what the file's `split` variable stores
/// (CF `flag_values` 0, 1, 2 with `flag_meanings` "train validation test").
public enum DatasetSplit: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case train = 0
    case validation = 1
    case test = 2

    /// The CF flag meaning: `train`, `validation` or `test`.
    public var description: String {
        switch self {
        case .train: return "train"
        case .validation: return "validation"
        case .test: return "test"
        }
    }
}
