/// Why a run stopped that was not the input's fault: it diverged.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public var message: String

    public var description: String { "training stopped: \(message)" }
}
