import Charts
import CustomerServiceKit
import SwiftUI
import UniformTypeIdentifiers

/// A department's daily report, for its supervisors and admins: the range, the headline figures, opened and resolved
/// per day, each agent, and the CSV to share. Everything it says comes from `ReportModel` and `ReportLabels`.
struct ReportView: View {
    @State var model: Observed<ReportModel, ReportState>
    /// An admin reports on any department; a supervisor on their own.
    let choosesDepartment: Bool

    var body: some View {
        let s = model.state
        NavigationStack {
            List {
                Section {
                    if choosesDepartment && s.departments.count > 1 {
                        Picker("Department", selection: Binding(get: { s.departmentId ?? "" }, set: { model.model.send(.chooseDepartment($0)) })) {
                            ForEach(s.departments, id: \.id) { Text($0.name).tag($0.id) }
                        }
                    }
                    Picker("Days", selection: Binding(get: { s.range }, set: { model.model.send(.chooseRange($0)) })) {
                        ForEach(ReportRange.allCases, id: \.self) { Text($0.label).tag($0) }
                    }
                    .pickerStyle(.segmented)
                    if let note = s.offlineNote { Label(note, systemImage: "wifi.slash").foregroundStyle(.secondary) }
                    if let error = s.error { Text(error).foregroundStyle(.red) }
                }
                if let report = s.report { sections(report) }
            }
            .overlay {
                if s.report == nil {
                    if s.loading { ProgressView() } else if s.error == nil {
                        ContentUnavailableView("No report yet", systemImage: "chart.bar")
                    }
                }
            }
            .refreshable { model.model.send(.refresh) }
            .navigationTitle(s.departmentName.map { "\($0): daily report" } ?? "Daily report")
            .toolbar {
                ToolbarItem {
                    ShareLink(item: ReportCsv(model: model.model), preview: SharePreview("Report \(s.from) to \(s.to)")) {
                        Label("Export CSV", systemImage: "square.and.arrow.up")
                    }
                    .disabled(s.report == nil || s.offline || s.exporting)
                }
            }
        }
    }

    @ViewBuilder private func sections(_ report: DailyReportInfo) -> some View {
        Section(reportPeriodLabel(from: report.from, to: report.to)) {
            LazyVGrid(columns: [GridItem(.adaptive(minimum: 140), alignment: .topLeading)], alignment: .leading, spacing: 12) {
                ForEach(reportHeadlines(report.total), id: \.label) { figure in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(figure.value).font(.title3.bold()).monospacedDigit()
                        Text(figure.label).font(.caption).foregroundStyle(.secondary)
                    }
                }
            }
            .padding(.vertical, 4)
        }
        Section("Opened and resolved each day") {
            Chart(openedResolvedSeries(report)) { bar in
                BarMark(x: .value("Day", bar.date, unit: .day), y: .value("Tickets", bar.count))
                    .foregroundStyle(by: .value("Tickets", bar.series))
                    .position(by: .value("Tickets", bar.series))
            }
            .frame(height: 200)
        }
        Section("Agents") {
            if report.agents.isEmpty { Text("No agent did anything in these days").foregroundStyle(.secondary) }
            ForEach(report.agents, id: \.agentId) { agent in
                VStack(alignment: .leading, spacing: 2) {
                    Text(agent.name).font(.headline)
                    Text(agentSummary(agent.figures)).font(.subheadline).foregroundStyle(.secondary)
                }
            }
        }
        Section {
            Text("Counted up to \(reportMoment(ms: report.asOfMs)) · \(report.timeZone) days").font(.footnote).foregroundStyle(.secondary)
        }
    }
}

/// The report's CSV for the share sheet, fetched when the user picks where it goes.
struct ReportCsv: Transferable {
    let model: ReportModel

    static var transferRepresentation: some TransferRepresentation {
        DataRepresentation(exportedContentType: .commaSeparatedText) { csv in Data(try await csv.model.exportCsv().utf8) }
            .suggestedFileName("daily-report.csv")
    }
}
