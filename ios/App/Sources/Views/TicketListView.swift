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

    @ViewBuilder private func filters(_ s: TicketListState) -> some View {
        Picker("Assigned to", selection: Binding(get: { s.filter.assignee }, set: { model.model.send(.setAssignee($0)) })) {
            ForEach(AssigneeFilter.allCases, id: \.self) { Text($0.rawValue.capitalized).tag($0) }
        }
        .pickerStyle(.segmented)
        Picker("Status", selection: Binding(get: { s.filter.status }, set: { model.model.send(.setStatus($0)) })) {
            Text("Any status").tag(TicketStatus?.none)
            ForEach([TicketStatus.open, .inProgress, .resolved, .closed], id: \.self) { Text("\($0)").tag(TicketStatus?.some($0)) }
        }
    }
}
