package support.customerservice.desktop

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class DownloadsExporterTest {
    @TempDir lateinit var home: Path

    @Test
    fun `a report goes to Downloads, under a new name when the first is taken`() {
        Files.createDirectories(home.resolve("Downloads"))
        val exporter = DownloadsExporter(home)
        val first = exporter.export("daily-report.csv", "day,opened\n")
        val second = exporter.export("daily-report.csv", "day,resolved\n")
        assertEquals(home.resolve("Downloads/daily-report.csv").toString(), first)
        assertEquals(home.resolve("Downloads/daily-report (2).csv").toString(), second)
        assertEquals("day,opened\n", Files.readString(Path.of(first)))
        assertEquals("day,resolved\n", Files.readString(Path.of(second)))
    }

    @Test
    fun `without a Downloads folder it goes to the home folder, and a name cannot leave it`() {
        val where = DownloadsExporter(home).export("../elsewhere.csv", "x\n")
        assertEquals(home.resolve("elsewhere.csv").toString(), where)
    }
}
