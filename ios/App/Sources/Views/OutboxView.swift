import CustomerServiceKit
import SwiftUI

struct OutboxView: View {
    @State var model: Observed<OutboxModel, OutboxState>

    var body: some View {
        let s = model.state
        NavigationStack {
            List(s.items, id: \.id) { item in
                VStack(alignment: .leading) {
                    Text(item.summary)
                    switch item.state {
                    case .failed(let reason):
                        Text("Refused: \(reason)").foregroundStyle(.red).font(.footnote)
                        HStack {
                            Button("Retry") { model.model.send(.retry(item.id)) }
                            Button("Discard", role: .destructive) { model.model.send(.discard(item.id)) }
                        }
                        .buttonStyle(.bordered)
                    default:
                        Text("Waiting for the server").foregroundStyle(.secondary).font(.footnote)
                    }
                }
            }
            .overlay { if !s.loading && s.items.isEmpty { ContentUnavailableView("Everything is sent", systemImage: "checkmark.circle") } }
            .navigationTitle("Outbox")
        }
    }
}
