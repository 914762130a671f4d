import Testing
import TesseraIO

@Suite struct JSONDuplicateKeysTests {
    @Test(arguments: [
        (#"{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}"#, nil),
        (#"{"a": "{\"a\": 1, \"a\": 2}", "b": ["a", "a"]}"#, nil),
        (#"{"a": 1, "b": 2, "a": 3}"#, "a@1"),
        ("{\"x\": {\"k\": [1, 2],\n\"k\": 3}}", "k@2"),
        (#"[{"x": 1}, {"y": {"z": 1, "z\"": 2, "z": 3}}]"#, "z@1"),
    ] as [(String, String?)])
    func findsTheFirstRepeatedKeyOfAnObject(json: String, expected: String?) {
        let found = JSONDuplicateKeys.first(in: Array(json.utf8)).map { "\($0.key)@\($0.line)" }
        #expect(found == expected)
    }
}
