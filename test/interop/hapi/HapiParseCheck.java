import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Interop check for hl7-router's adapters. For each file (one ER7 message, segments separated by CR or LF) prints
 *   PARSED <file> <version> <MSH-9.1^MSH-9.2> <structure class> <roundtrip: same, or where HAPI's encoding differs>
 * from a parse without primitive validation (the structure: which segments and fields HAPI's model for that
 * version puts where; "same" when HAPI's encoder gives back the exact text), then
 *   STRICT <file> OK   or   STRICT <file> FAIL <location> <reason>
 * from HAPI's default validation (primitive formats). Any other failure prints "FAIL <file> <reason>".
 * Usage: java HapiParseCheck file...
 */
public final class HapiParseCheck {
  public static void main(String[] args) throws Exception {
    try (HapiContext lenient = new DefaultHapiContext(ValidationContextFactory.noValidation());
        HapiContext strict = new DefaultHapiContext()) {
      for (String file : args) {
        String er7 = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip().replace("\r\n", "\r").replace('\n', '\r') + "\r";
        String name = Path.of(file).getFileName().toString();
        try {
          PipeParser parser = lenient.getPipeParser();
          Message message = parser.parse(er7);
          Terser terser = new Terser(message);
          String type = terser.get("/MSH-9-1") + "^" + terser.get("/MSH-9-2");
          String roundtrip = firstDifference(er7, parser.encode(message));
          System.out.println("PARSED " + name + " " + message.getVersion() + " " + type + " " + message.getClass().getSimpleName() + " " + roundtrip);
        } catch (Exception e) {
          System.out.println("FAIL " + name + " " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
          continue;
        }
        try {
          strict.getPipeParser().parse(er7);
          System.out.println("STRICT " + name + " OK");
        } catch (Exception e) {
          String reason = oneLine(e.getMessage());
          int at = reason.lastIndexOf(" at ");
          String location = at >= 0 ? reason.substring(at + 4).trim() : "-";
          System.out.println("STRICT " + name + " FAIL " + location + " " + reason);
        }
      }
    }
  }

  /** "same", or "differs:<segment index>:<expected>|<HAPI's>" at the first segment HAPI encodes differently. */
  private static String firstDifference(String expected, String encoded) {
    if (expected.equals(encoded)) return "same";
    String[] a = expected.split("\r");
    String[] b = encoded.split("\r");
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "(none)";
      String y = i < b.length ? b[i] : "(none)";
      if (!x.equals(y)) return "differs:" + (i + 1) + ":" + x + "|HAPI:" + y;
    }
    return "differs";
  }

  private static String oneLine(String text) {
    return String.valueOf(text).replace('\n', ' ').replace('\r', ' ');
  }
}
