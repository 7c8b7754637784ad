package support.customerservice.desktop

import java.nio.file.Files
import java.nio.file.Path
import support.customerservice.ui.report.ReportExporter

/**
 * Saves an exported report in the user's Downloads folder, or their home when there is none. A name already taken gets
 * " (2)", " (3)"… before its extension, as browsers do, so nothing is overwritten.
 */
class DownloadsExporter(private val home: Path = Path.of(System.getProperty("user.home"))) : ReportExporter {
    override fun export(fileName: String, csv: String): String {
        val downloads = home.resolve("Downloads")
        val dir = if (Files.isDirectory(downloads)) downloads else home
        val file = free(dir, Path.of(fileName).fileName.toString())
        Files.writeString(file, csv)
        return file.toString()
    }

    private fun free(dir: Path, name: String): Path {
        val dot = name.lastIndexOf('.').takeIf { it > 0 } ?: name.length
        var candidate = dir.resolve(name)
        var n = 2
        while (Files.exists(candidate)) {
            candidate = dir.resolve("${name.substring(0, dot)} ($n)${name.substring(dot)}")
            n++
        }
        return candidate
    }
}
