import CustomerServiceKit
import SwiftUI

/// A ticket's conversation with the timeline inline, typing, read receipts, the composer (internal notes for staff),
/// and the staff properties.
struct TicketView: View {
    @State var model: Observed<ConversationModel, ConversationState>

    var body: some View {
        let s = model.state
        let send = model.model.send
        VStack(spacing: 0) {
            ScrollViewReader { scroll in
                List(Array(s.entries.enumerated()), id: \.offset) { _, entry in
                    switch entry {
                    case .message(let message, let readBy):
                        VStack(alignment: message.authorId == s.me.id ? .trailing : .leading, spacing: 2) {
                            Text(message.authorName ?? "").font(.caption).foregroundStyle(.secondary)
                            Text(message.body)
                                .padding(10)
                                .background(message.internal ? Color.yellow.opacity(0.3) : Color.secondary.opacity(0.12), in: RoundedRectangle(cornerRadius: 12))
                            if message.sendState == .pending { Text("Waiting to send").font(.caption2).foregroundStyle(.secondary) }
                            if !readBy.isEmpty { Text("Read by \(readBy.joined(separator: ", "))").font(.caption2).foregroundStyle(.secondary) }
                        }
                        .frame(maxWidth: .infinity, alignment: message.authorId == s.me.id ? .trailing : .leading)
                    case .change(let change):
                        Text(change.description).font(.caption).foregroundStyle(.secondary).frame(maxWidth: .infinity)
                    }
                }
                .listStyle(.plain)
                .onChange(of: s.entries.count) { _, count in withAnimation { scroll.scrollTo(count - 1) } }
            }
            if let rating = s.detail?.ticket.rating { RatingSummaryView(rating: rating, mine: !s.staff) }
            if s.canRate { RatingCardView(state: s, send: send) }
            if !s.typing.isEmpty { Text("\(s.typing.joined(separator: ", ")) typing…").font(.caption).foregroundStyle(.secondary) }
            if let error = s.error { Text(error).foregroundStyle(.red).font(.footnote).onTapGesture { send(.dismissError) } }
            HStack {
                if s.staff { Toggle("Note", isOn: Binding(get: { s.internalNote }, set: { _ in send(.toggleInternal) })).fixedSize() }
                TextField(s.internalNote ? "Internal note" : "Message", text: Binding(get: { s.composer }, set: { send(.composerChanged($0)) }), axis: .vertical)
                    .textFieldStyle(.roundedBorder)
                Button("Send", systemImage: "paperplane.fill") { send(.send) }.disabled(!s.canSend).labelStyle(.iconOnly)
            }
            .padding()
        }
        .navigationTitle(s.detail?.ticket.subject ?? "")
        .toolbar {
            ToolbarItem { Button(s.staff ? "Call customer" : "Call support", systemImage: "phone") { send(.call) }.disabled(s.placingCall || s.detail == nil) }
            if s.staff {
                ToolbarItem {
                    Menu("Properties", systemImage: "slider.horizontal.3") {
                        Picker("Status", selection: Binding(get: { s.detail?.ticket.status ?? .open }, set: { send(.setStatus($0)) })) {
                            ForEach([TicketStatus.open, .inProgress, .resolved, .closed], id: \.self) { Text("\($0)").tag($0) }
                        }
                        Picker("Priority", selection: Binding(get: { s.detail?.ticket.priority ?? .normal }, set: { send(.setPriority($0)) })) {
                            ForEach([Priority.low, .normal, .high, .urgent], id: \.self) { Text("\($0)").tag($0) }
                        }
                        Button("Assign to me") { send(.assign(s.me.id)) }
                        Button("Unassign") { send(.assign(nil)) }
                    }
                }
            } else if s.canClose {
                ToolbarItem { Button("Close ticket", systemImage: "checkmark.circle") { send(.closeTicket) } }
            }
        }
    }
}

/// The customer's question once the ticket is resolved: stars, an optional comment, and sending it.
private struct RatingCardView: View {
    let state: ConversationState
    let send: (ConversationEvent) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("How did we do?").font(.headline)
            Text("Rate the help you had with this ticket. Your rating goes to the support team.").font(.caption)
            HStack {
                ForEach(1...5, id: \.self) { score in
                    Button { send(.rateScore(score)) } label: {
                        Image(systemName: score <= (state.ratingScore ?? 0) ? "star.fill" : "star").font(.title2)
                    }
                    .buttonStyle(.borderless)
                    .accessibilityLabel("\(score) of 5")
                }
            }
            .foregroundStyle(.orange)
            if state.ratingScore != nil {
                TextField("Anything to add? (optional)", text: Binding(get: { state.ratingComment }, set: { send(.ratingComment($0)) }), axis: .vertical)
                    .textFieldStyle(.roundedBorder)
                Button("Send rating") { send(.submitRating) }.buttonStyle(.borderedProminent)
            }
        }
        .padding()
        .background(Color.accentColor.opacity(0.1), in: RoundedRectangle(cornerRadius: 12))
        .padding(.horizontal)
    }
}

/// A given rating: "You rated" for the customer, "Rated" for staff.
private struct RatingSummaryView: View {
    let rating: TicketRating
    let mine: Bool

    var body: some View {
        HStack(spacing: 4) {
            Text(mine ? "You rated" : "Rated")
            ForEach(1...5, id: \.self) { Image(systemName: $0 <= Int(rating.score) ? "star.fill" : "star").foregroundStyle(.orange) }
            if let comment = rating.comment { Text("“\(comment)”").lineLimit(1) }
        }
        .font(.caption)
        .accessibilityElement(children: .combine)
        .accessibilityLabel("\(mine ? "You rated" : "Rated") \(rating.score) of 5")
    }
}
