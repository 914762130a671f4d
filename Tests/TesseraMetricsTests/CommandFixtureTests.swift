import Foundation
import Testing
import TesseraMetrics

/// One sacreBLEU command line and what sacreBLEU printed for it.
struct CommandCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var standardInput: String?
    var exitCode: Int32
    var output: String

    var testDescription: String {
        (arguments + (standardInput.map { ["<", $0] } ?? [])).joined(separator: " ")
    }

    static let all: [CommandCase] = Fixtures.jsonLines("cli.jsonl").map { json in
        CommandCase(arguments: json["args"] as! [String], standardInput: json["stdin"] as? String,
                    exitCode: Int32(json["exit"] as! Int), output: json["stdout"] as! String)
    }
}

@Suite struct CommandFixtureTests {
    @Test(arguments: CommandCase.all)
    func matchesSacreBLEU(_ fixture: CommandCase) throws {
        let directory = Fixtures.directory.path
        let arguments = fixture.arguments.map { $0.hasPrefix("@") ? directory + "/" + $0.dropFirst() : $0 }
        let input = try FileHandle(forReadingFrom: fixture.standardInput.map { Fixtures.directory.appendingPathComponent($0) }
                                   ?? URL(fileURLWithPath: "/dev/null"))
        defer { try? input.close() }
        var output = "", errors = ""
        let code = BleuCommand.run(arguments: arguments, standardInput: input,
                                   output: { output += $0 }, errors: { errors += $0 })
        #expect(code == fixture.exitCode, "stderr: \(errors)")
        if fixture.exitCode == 0 {
            #expect(output == Fixtures.withTesseraVersion(fixture.output))
        } else {
            #expect(output.isEmpty)
            #expect(errors.hasPrefix(code == 2 ? "usage: tessera bleu" : "tessera bleu: "))
        }
    }
}
