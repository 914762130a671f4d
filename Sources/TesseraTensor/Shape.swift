/// A tensor shape of rank 0...4, stored inline so that building shapes in hot paths never allocates.
public struct Shape: Equatable, Sendable, CustomStringConvertible {
    public let rank: Int
    private let d0, d1, d2, d3: Int

    public init() { rank = 0; d0 = 1; d1 = 1; d2 = 1; d3 = 1 }
    public init(_ a: Int) { rank = 1; d0 = a; d1 = 1; d2 = 1; d3 = 1 }
    public init(_ a: Int, _ b: Int) { rank = 2; d0 = a; d1 = b; d2 = 1; d3 = 1 }
    public init(_ a: Int, _ b: Int, _ c: Int) { rank = 3; d0 = a; d1 = b; d2 = c; d3 = 1 }
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) { rank = 4; d0 = a; d1 = b; d2 = c; d3 = d }
    public init(_ dims: [Int]) {
        precondition(dims.count <= 4, "Shape supports rank <= 4, got \(dims)")
        rank = dims.count
        d0 = dims.count > 0 ? dims[0] : 1
        d1 = dims.count > 1 ? dims[1] : 1
        d2 = dims.count > 2 ? dims[2] : 1
        d3 = dims.count > 3 ? dims[3] : 1
    }

    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < rank, "axis \(i) out of range for \(self)")
        switch i { case 0: return d0; case 1: return d1; case 2: return d2; default: return d3 }
    }

    public var dims: [Int] { (0..<rank).map { self[$0] } }
    /// Number of elements (1 for a scalar).
    public var count: Int { d0 * d1 * d2 * d3 }
    /// Size of the last axis (1 for a scalar).
    public var last: Int { rank == 0 ? 1 : self[rank - 1] }
    /// Product of all axes but the last: the number of rows in a row-major view.
    public var rows: Int { count / Swift.max(last, 1) }
    /// Product of the axes before `axis`.
    public func outer(_ axis: Int) -> Int { (0..<axis).reduce(1) { $0 * self[$1] } }
    /// Product of the axes after `axis`.
    public func inner(_ axis: Int) -> Int { ((axis + 1)..<rank).reduce(1) { $0 * self[$1] } }

    /// The same shape with axis `axis` replaced by `size`.
    public func replacing(_ axis: Int, with size: Int) -> Shape {
        switch rank {
        case 1: return Shape(size)
        case 2: return axis == 0 ? Shape(size, d1) : Shape(d0, size)
        case 3: return Shape(axis == 0 ? size : d0, axis == 1 ? size : d1, axis == 2 ? size : d2)
        default:
            return Shape(axis == 0 ? size : d0, axis == 1 ? size : d1, axis == 2 ? size : d2, axis == 3 ? size : d3)
        }
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
