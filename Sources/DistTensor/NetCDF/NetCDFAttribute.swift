/// The value of a NetCDF attribute, in the few forms checkpoints and datasets need: UTF-8 text (also for JSON),
/// string arrays, 64-bit integers and doubles.
///
/// Written as `char`, `string`, `int64` and `double` attributes. When read, any integer attribute type becomes
/// `.integers` and `float`/`double` become `.doubles`, so files from other writers read too.
public enum NetCDFAttribute: Sendable, Equatable, CustomStringConvertible {
    /// UTF-8 text, stored as a `char` attribute (what `ncdump` and netCDF4-python show as a plain string).
    case text(String)
    /// An array of strings, stored as a `string` attribute.
    case strings([String])
    /// 64-bit integers, stored as `int64`.
    case integers([Int64])
    /// Doubles, stored as `double`.
    case doubles([Double])

    /// A single 64-bit integer.
    public static func integer(_ value: Int64) -> NetCDFAttribute { .integers([value]) }

    /// A single double.
    public static func double(_ value: Double) -> NetCDFAttribute { .doubles([value]) }

    /// What the attribute holds, for messages ("text", "3 integers", ...).
    public var description: String {
        switch self {
        case .text: return "text"
        case let .strings(values): return Self.counted(values.count, "string")
        case let .integers(values): return Self.counted(values.count, "integer")
        case let .doubles(values): return Self.counted(values.count, "double")
        }
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
