import CustomerServiceKit
import SwiftUI

struct TicketListView: View {
    @State var model: Observed<TicketListModel, TicketListState>
    @Binding var selected: String?

    var body: some View {
        let s = model.state
        List(selection: $selected) {
            if s.offline { Label("Offline: showing saved data", systemImage: "wifi.slash").foregroundStyle(.secondary) }
            if s.staff { filters(s) }
            ForEach(s.tickets, id: \.id) { ticket in
                VStack(alignment: .leading, spacing: 4) {
                    HStack {
                        Text(ticket.subject).font(.headline).lineLimit(1)
                        Spacer()
                        if ticket.unreadCount > 0 { Text("\(ticket.unreadCount)").font(.caption.bold()).padding(4).background(.tint, in: Capsule()).foregroundStyle(.white) }
                    }
                    Text([ticket.number.map { "#\($0)" }, "\(ticket.status)", ticket.lastMessage].compactMap { $0 }.joined(separator: " · "))
                        .font(.subheadline).foregroundStyle(.secondary).lineLimit(2)
                    if s.staff, let due = slaLabel(ticket.sla, nowMs: Int64(Date().timeIntervalSince1970 * 1000)) {
                        Text(due).font(.caption.bold()).foregroundStyle(dueColor(ticket.sla.state))
                    }
                }
                .tag(ticket.id)
            }
        }
        .overlay {
            if s.loading { ProgressView() } else if s.tickets.isEmpty {
                ContentUnavailableView(s.staff ? "The queue is empty" : "No tickets yet", systemImage: "tray")
            }
        }
        .searchable(text: Binding(get: { s.filter.query }, set: { model.model.send(.setQuery($0)) }))
        .refreshable { model.model.send(.refresh) }
    }

    private func dueColor(_ state: SlaState) -> Color {
        switch state {
        case .breached: return .red
        case .atRisk: return .orange
        default: return .secondary
        }
    }

    @ViewBuilder private func filters(_ s: TicketListState) -> some View {
        Picker("Assigned to", selection: Binding(get: { s.filter.assignee }, set: { model.model.send(.setAssignee($0)) })) {
            ForEach(AssigneeFilter.allCases, id: \.self) { Text($0.rawValue.capitalized).tag($0) }
        }
        .pickerStyle(.segmented)
        Picker("Status", selection: Binding(get: { s.filter.status }, set: { model.model.send(.setStatus($0)) })) {
            Text("Any status").tag(TicketStatus?.none)
            ForEach([TicketStatus.open, .inProgress, .resolved, .closed], id: \.self) { Text("\($0)").tag(TicketStatus?.some($0)) }
        }
        Picker("Order", selection: Binding(get: { s.filter.sort }, set: { model.model.send(.setSort($0)) })) {
            Text("Recently updated").tag(TicketSort.updated)
            Text("Most pressing first").tag(TicketSort.priority)
            Text("Due soonest").tag(TicketSort.due)
        }
        Picker("Targets", selection: Binding(get: { s.filter.sla }, set: { model.model.send(.setSla($0)) })) {
            Text("Any").tag(SlaFilter?.none)
            ForEach([SlaFilter.atRisk, .breached], id: \.self) { Text($0.label).tag(SlaFilter?.some($0)) }
        }
    }
}
